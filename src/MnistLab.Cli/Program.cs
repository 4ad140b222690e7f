using MnistLab.Cli;

return CliApp.Run(args);
