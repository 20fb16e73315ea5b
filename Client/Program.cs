using U2PL.Client.Cli;

return await CliApplication.Create().Parse(args).InvokeAsync();
