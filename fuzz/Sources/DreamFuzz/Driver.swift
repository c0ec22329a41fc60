import Foundation

/// SwiftPM links an executable's entry point as `<module>_main` (here `dream_fuzz_main`) and
/// aliases `main` to it, so libFuzzer's own `main` is not used: this entry point hands
/// control to libFuzzer's driver with the harness as the callback.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("dream_fuzz_main")
func dreamFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    if let path = ProcessInfo.processInfo.environment["DREAM_FUZZ_EMIT_CALIBRATION"] {
        // `fuzz/run` seeds the calibration corpus with a file in the current format.
        do { try calibrationSeed().write(to: URL(fileURLWithPath: path)); return 0 } catch { return 1 }
    }
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
}
