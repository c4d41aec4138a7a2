using NUnit.Framework;
using TopUpSpark.Streaming.Checkpointing;

namespace TopUpSpark.Streaming.Tests;

/// <summary>
/// What a checkpoint file holds is exactly what was written to its stream, whole or appended, including
/// lengths filled in afterwards by moving back (as a task's state record does), whether the bytes were still
/// buffered or already on disk, and writes larger than the buffer.
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
        var expected = new MemoryStream();
        WriteWithLengthFilledIn(expected, before, after);

        storage.Write("tasks/0/state/1", stream => WriteWithLengthFilledIn(stream, before, after));

        Assert.That(storage.Read("tasks/0/state/1"), Is.EqualTo(expected.ToArray()));
        Assert.That(Directory.GetFiles(_directory, "*.tmp", SearchOption.AllDirectories), Is.Empty, "a temporary file was left behind");
    }

    [TestCase(10, 20)]
    [TestCase(100_000, 5)]
    [TestCase(0, 70_000)]
    public void An_append_adds_what_was_written_after_what_the_file_held_and_cannot_move_back_into_it(int before, int after)
    {
        var storage = new FileCheckpointStorage(_directory);
        var expected = new MemoryStream();
        WriteWithLengthFilledIn(expected, before, after);
        WriteWithLengthFilledIn(expected, after, before);

        storage.Append("tasks/0/state/0-w", stream => WriteWithLengthFilledIn(stream, before, after));
        storage.Append("tasks/0/state/0-w", stream => WriteWithLengthFilledIn(stream, after, before));
        var appendedTo = storage.Read("tasks/0/state/0-w")!.Length;

        Assert.Multiple(() =>
        {
            Assert.That(storage.Read("tasks/0/state/0-w"), Is.EqualTo(expected.ToArray()));
            Assert.That(() => storage.Append("tasks/0/state/0-w", stream => stream.Position = appendedTo - 1), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(storage.Read("tasks/0/state/0-w"), Has.Length.EqualTo(appendedTo), "what the file held is untouched");
        });
    }

    /// <summary>Writes <paramref name="before"/> bytes, a length, <paramref name="after"/> bytes, then moves back to fill the length in, as a state record does.</summary>
    private static void WriteWithLengthFilledIn(Stream stream, int before, int after)
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
