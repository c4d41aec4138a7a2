using TopUpSpark.Analytics;
using TopUpSpark.Core.Cli;

return await ProgramHost.RunAsync(SqlCommand.For(args), args);
