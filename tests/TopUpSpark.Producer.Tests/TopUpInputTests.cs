using NUnit.Framework;
using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Producer.Tests;

public sealed class TopUpInputTests
{
    [Test]
    public void A_header_that_does_not_match_the_schema_is_refused_with_the_columns_named()
    {
        var directory = GeneratedData.NewDirectory("bad-header");
        var lines = File.ReadAllLines(GeneratedData.Small.CustomerFile).Take(3).ToArray();
        lines[0] = lines[0].Replace("Top-up Month", "Top_up_Month");
        File.WriteAllLines(Path.Combine(directory, "customer.csv"), lines);
        File.Copy(GeneratedData.Small.BureauFile, Path.Combine(directory, "bureau.csv"));

        var error = Assert.Throws<InputDataException>(() => TopUpInput.LoadDirectory(directory, TopUpSchema.Default))!;
        Assert.That(error.Message, Does.Contain("missing column(s) 'Top-up Month'").And.Contain("unexpected column(s) 'Top_up_Month'"));
    }

    [Test]
    public void A_missing_file_is_refused_with_its_path()
    {
        var directory = GeneratedData.NewDirectory("no-bureau");
        File.Copy(GeneratedData.Small.CustomerFile, Path.Combine(directory, "customer.csv"));
        var error = Assert.Throws<InputDataException>(() => TopUpInput.LoadDirectory(directory, TopUpSchema.Default))!;
        Assert.That(error.Message, Does.Contain(Path.Combine(directory, "bureau.csv")));
    }

    [Test]
    public void Columns_in_another_order_quoting_and_awkward_text_reach_the_message_unchanged()
    {
        var schema = TopUpSchema.Default;
        var headers = schema.Customer.ColumnNames.Reverse().ToArray();
        var values = headers.Select(h => h switch
        {
            "ID" => "7",
            "City" => "SAGAR \"CANTT\", <MP> & ठाणे\\",
            "Area" => "line one\nline two",
            "Top-up Month" => " > 48 Months",
            _ => "",
        }).ToArray();
        var directory = GeneratedData.NewDirectory("awkward");
        File.WriteAllText(Path.Combine(directory, "customer.csv"),
            string.Join(',', headers.Select(Quote)) + "\n" + string.Join(',', values.Select(Quote)) + "\n");
        File.WriteAllText(Path.Combine(directory, "bureau.csv"), string.Join(',', schema.Bureau.ColumnNames.Select(Quote)) + "\n");

        var input = TopUpInput.LoadDirectory(directory, schema);
        Assert.That(input.Customers, Has.Count.EqualTo(1));
        Assert.That(input.Customers[0].Message(1_700_000_005), Is.EqualTo(InputMessageCodec.Encode(headers, values, "ts", "1700000005")));
    }

    [Test]
    public void Rejected_rows_are_reported_at_the_line_they_start_on_even_around_multi_line_values()
    {
        var schema = TopUpSchema.Default;
        var headers = schema.Customer.ColumnNames.ToArray();
        string Row(string id, string area) => string.Join(',', headers.Select(h => h == "ID" ? id : h == "Area" ? Quote(area) : "x"));
        var directory = GeneratedData.NewDirectory("multi-line");
        File.WriteAllText(Path.Combine(directory, "customer.csv"),
            string.Join(',', headers) + "\n" + Row("1", "two\nlines") + "\n" + Row("", "also\ntwo") + "\n" + Row("3", "ok") + "\n" +
            Row("", "one") + "\n");
        File.WriteAllText(Path.Combine(directory, "bureau.csv"), string.Join(',', schema.Bureau.ColumnNames.Select(Quote)) + "\n");

        var input = TopUpInput.LoadDirectory(directory, schema);
        Assert.That(input.Customers.Select(c => c.Id), Is.EqualTo(new[] { "1", "3" }));
        Assert.That(input.Rejected.Select(r => r.Line), Is.EqualTo(new[] { 4L, 7L }), "header on line 1, rows on lines 2-3, 4-5, 6 and 7");
    }

    [Test]
    public void Files_saved_on_windows_with_a_byte_order_mark_and_crlf_line_ends_load()
    {
        var directory = GeneratedData.NewDirectory("windows");
        var bom = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true);
        var customer = File.ReadAllLines(GeneratedData.Small.CustomerFile).Take(6).ToArray();
        customer[4] = "";                                          // line 5: blank, skipped silently
        customer[5] = "x,y";                                       // line 6: wrong column count
        File.WriteAllText(Path.Combine(directory, "customer.csv"), string.Join("\r\n", customer) + "\r\n", bom);
        File.WriteAllText(Path.Combine(directory, "bureau.csv"), File.ReadLines(GeneratedData.Small.BureauFile).First() + "\r\n", bom);

        var input = TopUpInput.LoadDirectory(directory, TopUpSchema.Default);
        Assert.That(input.CustomerHeaders[0], Is.EqualTo("ID"));
        Assert.That(input.Customers.Select(c => c.Id), Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(input.Rejected.Single().Line, Is.EqualTo(6));
    }

    private static string Quote(string value) => "\"" + value.Replace("\"", "\"\"") + "\"";
}
