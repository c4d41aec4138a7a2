using TopUpSpark.Core.Cli;
using TopUpSpark.Job;

MallocSettings.ReturnLargeBlocksToTheSystem();
return await ProgramHost.RunAsync(JobCommand.Create(), args);
