using TopUpSpark.Core.Cli;
using TopUpSpark.Models;

return await ProgramHost.RunAsync(ModelsCli.Create(), args);
