using NUnit.Framework;
using TopUpSpark.Core.Kafka;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Core.Tests;

/// <summary>Secret Kafka settings are recognised by key and never printed.</summary>
public class SecretSettingsTests
{
    [TestCaseSource(typeof(SecretKafkaKeys), nameof(SecretKafkaKeys.All))]
    public void Secret_keys_are_recognised_and_their_values_masked(string key)
    {
        Assert.That(SecretSettings.IsSecret(key), Is.True);
        Assert.That(SecretSettings.Redact(key, "hunter2"), Is.EqualTo("***"));
        Assert.That(SecretSettings.RedactEntry($"{key}=hunter2"), Is.EqualTo($"{key}=***"));
    }

    [TestCase("sasl.username")]
    [TestCase("security.protocol")]
    [TestCase("sasl.mechanism")]
    [TestCase("ssl.ca.location")]
    [TestCase("ssl.certificate.location")]
    [TestCase("bootstrap.servers")]
    public void Other_settings_print_as_they_are(string key)
    {
        Assert.That(SecretSettings.IsSecret(key), Is.False);
        Assert.That(SecretSettings.RedactEntry($"{key}=topup"), Is.EqualTo($"{key}=topup"));
    }

    [TestCase("sasl.password", "sasl.password")]
    [TestCase("sasl.password:hunter2", "***")]
    [TestCase("=hunter2", "=***")]
    [TestCase("linger.ms", "linger.ms")]
    public void An_entry_without_a_key_or_a_value_shows_no_secret(string entry, string printed) =>
        Assert.That(SecretSettings.RedactEntry(entry), Is.EqualTo(printed));

    [Test]
    public void Secret_values_on_a_command_line_are_found_in_every_form()
    {
        string[] args =
        [
            "--kafka", "sasl.password=one", "--kafka=ssl.key.pem=two", "--kafka:sasl.jaas.config=three", "--kafka", "sasl.username=topup",
            "--kafka", "sasl.oauthbearer.client.secret", "four", "--kafka", "ssl.key.password", "--model", "m",
        ];

        Assert.That(SecretSettings.ValuesIn(args), Is.EqualTo(new[] { "one", "two", "three", "four" }));
        Assert.That(SecretSettings.Hide("Unrecognized command or argument 'four'; one, two", SecretSettings.ValuesIn(args)),
            Is.EqualTo("Unrecognized command or argument '***'; ***, ***"));
    }

    [Test]
    public void A_rejected_secret_setting_is_reported_without_its_value()
    {
        var error = Assert.Throws<KafkaSettingsException>(() => KafkaSettings.ParsePassThrough(["sasl.oauthbearer.method=hunter2"]))!;

        Assert.That(error.Message, Does.Contain("sasl.oauthbearer.method").And.Contain("\"***\"").And.Not.Contain("hunter2"));
    }

    [Test]
    public void A_rejected_ordinary_setting_is_reported_with_its_origin()
    {
        var error = Assert.Throws<KafkaSettingsException>(() => KafkaSettings.ParsePassThrough(["linger.ms=soon"], "TOPUP_KAFKA"))!;

        Assert.That(error.Message, Does.StartWith("TOPUP_KAFKA: librdkafka rejects linger.ms: Invalid value"));
    }

    [Test]
    public void A_misspelt_key_is_reported_without_its_value_which_may_be_a_secret()
    {
        var error = Assert.Throws<KafkaSettingsException>(() => KafkaSettings.ParsePassThrough(["sasl.pasword=hunter2"]))!;

        Assert.That(error.Message, Does.Contain("sasl.pasword").And.Not.Contain("hunter2"));
    }
}
