using U2PL.Client.Cli;
using U2PL.Segmentation;

var code = await CliApplication.Create().Parse(args).InvokeAsync();
NativeTeardown.ReleaseUndisposed();
return code;
