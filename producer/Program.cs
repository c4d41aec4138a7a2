using TopUpSpark.Core.Cli;
using TopUpSpark.Producer.Cli;

return await ProgramHost.RunAsync(RunCommand.Root(), args);
