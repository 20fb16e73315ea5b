using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace U2PL.Runtime.Hosting;

/// <summary>Configures a silo inside <see cref="SiloHostingExtensions.UseU2plSilo"/>.</summary>
public interface ISiloBuilder
{
    /// <summary>The host's services.</summary>
    IServiceCollection Services { get; }

    /// <summary>Adds the grain classes of an assembly.</summary>
    ISiloBuilder AddGrains(Assembly assembly);
}

internal sealed class SiloBuilder(IServiceCollection services) : ISiloBuilder
{
    public IServiceCollection Services { get; } = services;

    public List<Assembly> Assemblies { get; } = [];

    public ISiloBuilder AddGrains(Assembly assembly)
    {
        Assemblies.Add(assembly);
        return this;
    }
}
