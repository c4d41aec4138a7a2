using System.Text;

namespace TopUpSpark.Consumer.Tests.Support;

/// <summary>A terminal for <c>--text</c> that keeps what was printed; read it while the dashboard writes.</summary>
public sealed class CapturingTerminal : TextWriter
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _printed = new();

    public override Encoding Encoding => Encoding.UTF8;

    public string Printed
    {
        get
        {
            lock (_gate) return _printed.ToString();
        }
    }

    public override void Write(char value)
    {
        lock (_gate) _printed.Append(value);
    }

    public override void Write(string? value)
    {
        lock (_gate) _printed.Append(value);
    }
}
