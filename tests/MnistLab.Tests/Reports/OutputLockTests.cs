using MnistLab.Common;
using MnistLab.Reports;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Reports;

public class OutputLockTests
{
    [Fact]
    public void A_folder_is_written_by_one_run_at_a_time()
    {
        using var dir = new TempDir();
        string target = dir.File("report");
        using (OutputLock.Acquire(target))
        {
            var e = Assert.Throws<MnistLabException>(() => OutputLock.Acquire(target));
            Assert.Contains($"{target}: another MnistLab run is writing there", e.Message);
            Assert.Contains(OutputLock.PathOf(target), e.Message);
            using (OutputLock.Acquire(dir.File("other"))) { } // a different folder is free
        }
        Assert.False(File.Exists(OutputLock.PathOf(target)), "the lock file outlived its run");
        using (OutputLock.Acquire(target)) { }
    }

    [Fact]
    public void A_lock_file_left_by_a_killed_run_does_not_block()
    {
        using var dir = new TempDir();
        string target = dir.File("report");
        File.WriteAllText(OutputLock.PathOf(target), ""); // what a SIGKILL leaves: the file, but no lock on it
        using (OutputLock.Acquire(target)) { }
        Assert.False(File.Exists(OutputLock.PathOf(target)));
    }
}
