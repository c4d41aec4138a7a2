using TopUpSpark.Broker;
using TopUpSpark.Core.Cli;

return await ProgramHost.RunAsync(BrokerCommand.Create(), args);
