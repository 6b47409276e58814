using System.CommandLine;
using RetroIm.ImCtl;

// imctl: ImHelper on the command line, for ops and scripts. Every command prints one JSON document to stdout (`stats`
// prints a table unless given --json);
// failures print {"error":…} to stderr and exit 1 (runtime) or 2 (usage).
var root = ImCtlCli.Build();
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    JsonOut.Error(string.Join("; ", parse.Errors.Select(e => e.Message)), "usage");
    return ExitCodes.Usage;
}
return await parse.InvokeAsync();
