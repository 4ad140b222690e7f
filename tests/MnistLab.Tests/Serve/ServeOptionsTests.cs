using MnistLab.Common;
using MnistLab.Serve;

namespace MnistLab.Tests.Serve;

public class ServeOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("localhost", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("192.168.1.20", false)]
    public void Only_a_loopback_address_keeps_other_machines_out(string host, bool loopback) =>
        Assert.Equal(loopback, new ServeOptions { Host = host }.Validated().LoopbackOnly);

    [Fact]
    public void A_host_name_a_port_out_of_range_and_a_missing_folder_are_refused_naming_the_option()
    {
        Assert.Contains("ServeOptions.Host must be an IP address", Assert.Throws<InvalidOptionException>(() => new ServeOptions { Host = "example.org" }.Validated()).Message);
        Assert.Equal("ServeOptions.Port", Assert.Throws<InvalidOptionException>(() => new ServeOptions { Port = -1 }.Validated()).Option);
        Assert.Equal("ServeOptions.Runs", Assert.Throws<InvalidOptionException>(() => new ServeOptions { Runs = ["/no/such/runs"] }.Validated()).Option);
    }
}
