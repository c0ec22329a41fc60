import Foundation
import Testing
import DreamPlatform

@Suite struct ProcStatTests {
    @Test func parsesPerCPULinesOfProcStat() {
        let text = """
        cpu  100 2 30 400 5 6 7 8 0 0
        cpu0 50 1 15 200 2 3 4 5 0 0
        cpu1 50 1 15 200 3 3 3 3 0 0
        intr 12345
        ctxt 999
        """
        let t = ProcStat.cpuTimes(text: text)
        #expect(t.count == 2)
        let tick = ProcStat.nanosecondsPerTick
        #expect(t[0]?.user == 50 * tick && t[0]?.steal == 5 * tick)
        #expect(t[0]?.busy == (50 + 1 + 15 + 3 + 4) * tick)
        #expect(t[1]?.total == (50 + 1 + 15 + 3 + 3 + 200 + 3 + 3) * tick)
    }

    @Test func parsesCPULists() {
        #expect(ProcStat.parseCPUList("0-3,8,10-11") == [0, 1, 2, 3, 8, 10, 11])
        #expect(ProcStat.parseCPUList("1") == [1])
        #expect(ProcStat.parseCPUList("") == [])
    }

    @Test func readsThisProcessesThreadsAndCPUs() throws {
        let cpus = ProcStat.cpuTimes()
        #expect(!cpus.isEmpty)
        let me = try #require(ProcStat.thread(RealTime.threadID()))
        #expect(me.runNs > 0)
        #expect(!me.allowedCPUs.isEmpty)
        #expect(ProcStat.threads().contains { $0.tid == me.tid })
    }
}
