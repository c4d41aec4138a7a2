using TopUpSpark.Api;
using TopUpSpark.Core.Cli;

return await ProgramHost.RunAsync(ApiCommand.Create(), args);
