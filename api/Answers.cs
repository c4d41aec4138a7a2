using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using TopUpSpark.Serving;

namespace TopUpSpark.Api;

/// <summary>
/// The API's answers, JSON written once into bytes and sent with a Content-Length. An answer written as it is
/// serialized goes out chunked, which an HTTP/1.0 client (Apache Bench, many load balancers' health checks) cannot
/// read on a kept-alive connection: the server then closes the connection after every answer, and each request
/// pays for a new one (measured: 0 of 100,000 ab requests kept alive, most of the API's CPU time per request).
/// </summary>
internal static class Answers
{
    public static IResult Json<T>(T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK) =>
        new BytesResult(JsonSerializer.SerializeToUtf8Bytes(value, type), "application/json; charset=utf-8", status);

    public static IResult Problem(int status, string title, string detail) =>
        new BytesResult(JsonSerializer.SerializeToUtf8Bytes(new ProblemDetails { Status = status, Title = title, Detail = detail, Type = TypeOf(status) },
            ApiJsonContext.Default.ProblemDetails), "application/problem+json; charset=utf-8", status);

    /// <summary>400 with the bad fields and what is wrong with each (RFC 9457 problem details, ASP.NET Core's validation form).</summary>
    public static IResult Invalid(string title, IDictionary<string, string[]> errors) =>
        new BytesResult(JsonSerializer.SerializeToUtf8Bytes(
                new HttpValidationProblemDetails(errors) { Status = StatusCodes.Status400BadRequest, Title = title, Type = TypeOf(StatusCodes.Status400BadRequest) },
                ApiJsonContext.Default.HttpValidationProblemDetails),
            "application/problem+json; charset=utf-8", StatusCodes.Status400BadRequest);

    private static string? TypeOf(int status) => status switch
    {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        503 => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        _ => null,
    };

    private sealed class BytesResult(byte[] body, string contentType, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = contentType;
            http.Response.ContentLength = body.Length;
            return http.Response.Body.WriteAsync(body).AsTask();
        }
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IngestResponse))]
[JsonSerializable(typeof(CustomerPrediction))]
[JsonSerializable(typeof(LatestWindowResponse))]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(HttpValidationProblemDetails))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
