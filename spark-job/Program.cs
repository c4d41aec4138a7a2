using TopUpSpark.Core.Cli;
using TopUpSpark.Job;

return await ProgramHost.RunAsync(JobCommand.Create(), args);
