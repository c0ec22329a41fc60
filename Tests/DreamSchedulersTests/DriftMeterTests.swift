import Testing
import DreamCore
import DreamEngine
@testable import DreamSchedulers

/// `DriftMeter`: the estimate error shared by one window's blocks, beyond independent errors.
@Suite struct DriftMeterTests {
    /// 200 windows of 20 blocks on each of two accelerators: errors = bias + a window's shared
    /// speed (sigma `shared`) + each block's own (sigma `own`). The mean drift read after each
    /// of the last 150 windows (one reading is the root of a smoothed, noisy variance).
    private func measure(own: Double, shared: Double, bias: Double = 0) -> Double {
        var meter = DriftMeter(accelerators: 2)
        var rng = DreamRandom(seed: 42, key: "test/drift-meter")
        var readings = 0.0
        for w in 0..<200 {
            for a in 0..<2 {
                let speed = shared * rng.standardNormal()
                for _ in 0..<20 { meter.blockFinished(accelerator: a, logRatio: bias + speed + own * rng.standardNormal()) }
            }
            meter.closeWindow()
            if w >= 50 { readings += meter.drift }
        }
        return readings / 150
    }

    @Test func independentErrorsAreNoDrift() {
        let d = measure(own: 0.3, shared: 0)
        #expect(d < 0.03, "\(d)")
        #expect(measure(own: 0.3, shared: 0, bias: 0.2) < 0.03, "a steady bias is the usual error, not drift")
    }

    @Test func aSharedSpeedIsMeasuredThroughTheBlocksOwnErrors() {
        for shared in [0.05, 0.1, 0.2] {
            let d = measure(own: 0.3, shared: shared)
            #expect(abs(d - shared) < 0.35 * shared, "asked \(shared), measured \(d)")
        }
    }

    @Test func nothingMeasuredBeforeTheWarmUpOrFromWindowsOfOneBlock() {
        var meter = DriftMeter(accelerators: 1, warmupWindows: 3)
        meter.blockFinished(accelerator: 0, logRatio: 0.5)
        meter.closeWindow()
        #expect(meter.drift == 0, "one block is no window mean")
        // Window means 0, then +-1 about it: a drift of about 1, but only after the warm-up.
        for (w, mean) in [0.0, 1, -1, 1, -1].enumerated() {
            meter.blockFinished(accelerator: 0, logRatio: mean + 0.01)
            meter.blockFinished(accelerator: 0, logRatio: mean - 0.01)
            meter.closeWindow()
            #expect(w <= 2 ? meter.drift == 0 : meter.drift > 0.3, "window \(w): \(meter.drift)")
        }
        meter.blockFinished(accelerator: 5, logRatio: .nan)
        meter.blockFinished(accelerator: 0, logRatio: .infinity)
        meter.closeWindow()
        #expect(meter.drift.isFinite)
    }
}
