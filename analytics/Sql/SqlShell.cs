using System.Text;
using DuckDB.NET.Data;

namespace TopUpSpark.Analytics.Sql;

/// <summary>
/// Runs SQL against the session's DuckDB connection and prints each result. A query DuckDB refuses prints
/// DuckDB's own message, one line, never a stack trace.
/// </summary>
public sealed class SqlShell(DuckDBConnection connection, SessionViews views, ResultFormat format, TextWriter output, TextWriter error, string program)
{
    public const string Prompt = "topup-sql> ";
    private const string ContinuationPrompt = "       ...> ";

    /// <summary>Runs <paramref name="sql"/> (one or more statements); false when DuckDB refused it.</summary>
    public bool Run(string sql)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            do
            {
                if (reader.FieldCount > 0) ResultWriter.Write(reader, format, output);
            }
            while (reader.NextResult());
            return true;
        }
        catch (DuckDBException e)
        {
            error.WriteLine($"{program}: error: {e.Message}");
            foreach (var why in views.Explain(e.Message)) error.WriteLine($"{program}: {why}");
            error.Flush();
            return false;
        }
    }

    /// <summary>
    /// Reads statements from <paramref name="input"/>, each ended by a ';' at the end of a line, and runs them.
    /// At a terminal (<paramref name="interactive"/>) it prompts and goes on after an error; reading a script it
    /// stops at the first error. Returns the exit code: 0, or 1 after an error in a script.
    /// </summary>
    public int Repl(TextReader input, bool interactive)
    {
        if (interactive)
        {
            output.WriteLine($"DuckDB SQL over the job's results; views: {(views.Names.Count == 0 ? "none" : string.Join(", ", views.Names))}.");
            output.WriteLine("End statements with ';'. .tables lists the views, .help explains them, .quit (or Ctrl-D) leaves.");
        }
        var statement = new StringBuilder();
        while (true)
        {
            if (interactive)
            {
                output.Write(statement.Length == 0 ? Prompt : ContinuationPrompt);
                output.Flush();
            }
            var line = input.ReadLine();
            if (line is null) break;
            var trimmed = line.Trim();
            if (statement.Length == 0 && trimmed.StartsWith('.'))
            {
                if (trimmed is ".quit" or ".exit") break;
                if (!RunDotCommand(trimmed) && !interactive) return 1;
                continue;
            }
            statement.AppendLine(line);
            if (!trimmed.EndsWith(';')) continue;
            var ok = Run(statement.ToString());
            statement.Clear();
            if (!ok && !interactive) return 1;
        }
        // A last statement without its ';' still runs.
        if (statement.ToString().Trim().Length > 0 && !Run(statement.ToString()) && !interactive) return 1;
        if (interactive) output.WriteLine();
        return 0;
    }

    private bool RunDotCommand(string command)
    {
        switch (command)
        {
            case ".tables":
                return Run("SELECT table_name AS name, table_type AS kind FROM information_schema.tables ORDER BY table_name");
            case ".help":
                output.WriteLine(ViewsHelp);
                return true;
            default:
                error.WriteLine($"{program}: error: unknown command {command}; there are .tables, .help and .quit");
                return false;
        }
    }

    public const string ViewsHelp =
        "Views: joined and predictions read every parquet file of the output folder's joined/ and predictions/ " +
        "(all job instances' files; each row counted once); topup_by_state holds the per-state counts published to Kafka " +
        "(a row per window end, state and batch part; parts repeated by a replayed batch counted once); dead_letters the rejected " +
        "input messages with their reason and origin (repeats of a letter counted once). Times are UTC.";
}
