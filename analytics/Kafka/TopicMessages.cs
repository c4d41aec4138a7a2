using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace TopUpSpark.Analytics.Kafka;

/// <summary>Reading a Kafka message's parts as text, the same way for the SQL views and the topic inspector.</summary>
public static class TopicMessages
{
    /// <summary>The last header of that name as UTF-8 text, or null.</summary>
    public static string? Header(Headers? headers, string name) =>
        headers is not null && headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;

    public static long? LongHeader(Headers? headers, string name) =>
        long.TryParse(Header(headers, name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>The bytes as UTF-8 text (bytes that are not UTF-8 become U+FFFD), or null for a null key.</summary>
    public static string? Text(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);

    /// <summary>When the broker (or the producer) stamped the message, in UTC; null when it carries no time.</summary>
    public static DateTimeOffset? Timestamp(Message<byte[]?, byte[]> message) =>
        message.Timestamp.Type == TimestampType.NotAvailable ? null : message.Timestamp.UtcDateTime;
}
