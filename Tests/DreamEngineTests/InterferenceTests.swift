import Testing
@testable import DreamEngine

@Suite struct InterferenceTests {
    typealias T = InterferenceReport.Thresholds

    func report(stealMs: Double = 0, foreignMs: Double = 0, seconds: Double = 3, slow: Int = 0, judged: Int = 500) -> InterferenceReport {
        let core = InterferenceReport.Core(cpu: 1, accelerator: "os0", stealMs: stealMs, foreignMs: foreignMs, ownMs: 100,
                                           stealFraction: stealMs / 1000 / seconds, foreignFraction: foreignMs / 1000 / seconds,
                                           worstWindowFraction: 0, frequencyMHz: nil)
        var r = InterferenceReport(monitoredS: seconds, cores: [core], workers: [], windows: [], stalls: [], longestStallMs: 3,
                                   longestStallAtS: nil, blocksJudged: judged, slowBlocks: slow, worstBlockRatio: nil, worstBlockAtS: nil,
                                   releaseLatenessMaxMs: nil, frequencySource: nil)
        r.judge()
        return r
    }

    @Test func aFewTicksOfStealOrOtherLoadAreClean() {
        #expect(report(stealMs: 20, foreignMs: 30).verdict == "clean")
        #expect(report(stealMs: 0, foreignMs: 0, slow: 2).verdict == "clean")
        #expect(report(stealMs: 40, foreignMs: 0, seconds: 10).verdict == "clean")   // 0.4% of 10 s
    }

    @Test func moreThanOnePercentOfTheCoreIsDisturbed() {
        let r = report(foreignMs: 400)
        #expect(r.verdict == "disturbed")
        #expect(r.reasons.first?.contains("cpu 1") == true)
        #expect(report(stealMs: 40).verdict == "disturbed")   // 1.3% of 3 s
        #expect(report(slow: 10, judged: 500).verdict == "disturbed")
    }

    @Test func slowBlocksAreJudgedAgainstTheirShapesMedian() {
        func block(_ start: Int64, _ ms: Int64, layers: Int32 = 1) -> BlockRecord {
            BlockRecord(frame: 0, stream: 0, variant: 0, accelerator: 0, firstLayer: 0, endLayer: layers, decidedNs: start, startNs: start,
                        endNs: start + ms * 1_000_000, macs: 1, bytesL1: 0, bytesL2: 0, bytesLLC: 0, bytesDRAM: 0, cpu: 0, busyCoreNs: 0, energyJ: 0)
        }
        var blocks = (0..<9).map { block(Int64($0) * 10_000_000, 4) }
        blocks.append(block(200_000_000, 20))          // 5x the median, 16 ms over: slow
        blocks.append(block(300_000_000, 1, layers: 2)) // another shape with one sample: not judged
        let s = InterferenceReport.slowBlocks(blocks)
        #expect(s.judged == 10 && s.slow == 1)
        #expect(s.worst == 5 && s.worstAtNs == 200_000_000)
    }
}
