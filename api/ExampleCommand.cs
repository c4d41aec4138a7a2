using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using TopUpSpark.Core.Cli;

namespace TopUpSpark.Api;

/// <summary>
/// <c>topup-api example</c>: one row of a customer or bureau CSV as the JSON event the API takes (every column as
/// the file has it; ts left out, so the API sets the arrival time) — a body for curl that works.
/// </summary>
public static class ExampleCommand
{
    public static Command Create()
    {
        var csv = Flags.Create("--csv", "TOPUP_API_EXAMPLE_CSV", "data/customer.csv", "CSV file (customer.csv or bureau.csv) to take the row from");
        var row = Flags.Create("--row", "TOPUP_API_EXAMPLE_ROW", 1, "Which data row (1: the first after the header)").Accepting(Accept.AtLeast(1));
        var command = new Command("example", "Print one CSV row as the JSON event POST /v1/customers or /v1/bureau takes") { csv, row };
        command.SetAction(async (parse, cancel) =>
        {
            var path = parse.GetValue(csv)!;
            if (!File.Exists(path)) throw new FileNotFoundException($"CSV file not found: {path}");
            using var reader = new StreamReader(path, Encoding.UTF8);
            using var parser = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { TrimOptions = TrimOptions.None });
            if (!parser.Read()) throw new InvalidDataException($"{path} is empty: expected a header line");
            var headers = parser.Record!;
            for (var i = 0; i < parse.GetValue(row); i++)
            {
                if (!parser.Read()) throw new InvalidDataException($"{path} has fewer than {parse.GetValue(row)} data rows");
            }
            var values = parser.Record!;
            if (values.Length != headers.Length) throw new InvalidDataException($"row {parse.GetValue(row)} of {path} has {values.Length} values where the header has {headers.Length}");
            using var output = new MemoryStream();
            using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                for (var i = 0; i < headers.Length; i++) writer.WriteString(headers[i], values[i]);
                writer.WriteEndObject();
            }
            await parse.InvocationConfiguration.Output.WriteLineAsync(Encoding.UTF8.GetString(output.ToArray()).AsMemory(), cancel);
            return 0;
        });
        return command;
    }
}
