using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Logging;
using TopUpSpark.Core.Schema;
using TopUpSpark.Scoring;

namespace TopUpSpark.Models.Commands;

/// <summary>Runs a command body with a logger; turns the errors a user can cause into one clear line and exit code 1.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(string name, Func<ILogger, Task<int>> body)
    {
        using var loggerFactory = ProgramLogging.Create();
        var logger = loggerFactory.CreateLogger("topup-models " + name);
        try
        {
            return await body(logger);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("cancelled");
            return 130;
        }
        catch (Exception e) when (e is ModelFileException or SchemaException or InvalidDataException or IOException
                                       or UnauthorizedAccessException or ArgumentException)
        {
            logger.LogError("{Message}", e.Message);
            return 1;
        }
    }
}
