namespace TopUpSpark.TestSupport;

/// <summary>
/// One secret librdkafka key for every rule of SecretSettings.IsSecret, in the spellings people use; both its own
/// test and spark-submit.sh's (which applies the rules in bash) run them.
/// </summary>
public static class SecretKafkaKeys
{
    public static readonly string[] All =
    [
        "sasl.password", "SASL.PASSWORD", "ssl.truststore.password", "ssl.keystore.password", "ssl.key.password",
        "ssl.key.pem", "ssl.key.location", "ssl_key", "ssl_key_password", "ssl.keystore.key", "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.token.endpoint.url", "sasl.oauthbearer.config", "sasl.jaas.config", "SASL_JAAS_CONFIG", "my.client.secret",
    ];
}
