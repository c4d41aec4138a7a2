using TopUpSpark.Consumer;
using TopUpSpark.Core.Cli;

return await ProgramHost.RunAsync(ConsumerCommand.Create(), args);
