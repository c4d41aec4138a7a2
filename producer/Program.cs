using TopUpSpark.Core.Cli;
using TopUpSpark.Producer.Cli;

var root = RunCommand.Root();
root.Subcommands.Add(GenerateCommand.Create());
return await ProgramHost.RunAsync(root, args);
