using System.Reflection;

namespace Wgan.Runner;

/// <summary>What the build recorded of this program: its version and the git commit it was built from (the
/// informational version is "version+commit").</summary>
public static class HarnessBuild
{
    static readonly string Informational =
        typeof(HarnessBuild).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "";

    /// <summary>The version, or "unknown" when the build recorded none.</summary>
    public static string Version => Informational == "" ? "unknown" : Informational.Split('+')[0];

    /// <summary>The git commit, or "" when the build recorded none.</summary>
    public static string Commit => Informational.Contains('+') ? Informational[(Informational.IndexOf('+') + 1)..] : "";
}
