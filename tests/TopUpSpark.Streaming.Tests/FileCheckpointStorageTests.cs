using NUnit.Framework;
using TopUpSpark.Streaming.Checkpointing;

namespace TopUpSpark.Streaming.Tests;

/// <summary>
/// What a checkpoint file holds is exactly what was written to its stream, including lengths filled in
/// afterwards by moving back (as a task's state file does), whether the bytes were still buffered or
/// already on disk, and writes larger than the buffer.
/// </summary>
public class FileCheckpointStorageTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("topup-checkpoint-storage-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [TestCase(10, 20)]
    [TestCase(10_000, 30_000)]
    [TestCase(100_000, 5)]
    [TestCase(0, 70_000)]
    public void A_file_holds_what_was_written_with_lengths_filled_in_afterwards(int before, int after)
    {
        var storage = new FileCheckpointStorage(_directory);
        void Write(Stream stream)
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Pattern(before, seed: 1));
            var lengthAt = stream.Position;
            writer.Write(0);
            writer.Write(Pattern(after, seed: 2));
            writer.Flush();
            var end = stream.Position;
            stream.Position = lengthAt;
            writer.Write(after);
            writer.Flush();
            stream.Position = end;
            writer.Write("the end");
        }
        var expected = new MemoryStream();
        Write(expected);

        storage.Write("tasks/0/state/1", Write);

        Assert.That(storage.Read("tasks/0/state/1"), Is.EqualTo(expected.ToArray()));
        Assert.That(Directory.GetFiles(_directory, "*.tmp", SearchOption.AllDirectories), Is.Empty, "a temporary file was left behind");
    }

    [Test]
    public void A_write_that_fails_leaves_neither_the_file_nor_its_temporary()
    {
        var storage = new FileCheckpointStorage(_directory);
        storage.Write("commits/1", stream => stream.Write("first"u8));

        Assert.Throws<InvalidOperationException>(() => storage.Write("commits/1", stream =>
        {
            stream.Write(Pattern(50_000, seed: 3));
            throw new InvalidOperationException("the writer failed");
        }));

        Assert.That(storage.Read("commits/1"), Is.EqualTo("first"u8.ToArray()), "the earlier file is still whole");
        Assert.That(Directory.GetFiles(_directory, "*.tmp", SearchOption.AllDirectories), Is.Empty);
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
