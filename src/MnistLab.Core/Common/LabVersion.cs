using System.Reflection;

namespace MnistLab.Common;

/// <summary>The MnistLab version every report, checkpoint and export records.</summary>
public static class LabVersion
{
    public static string Current { get; } =
        typeof(LabVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
}
