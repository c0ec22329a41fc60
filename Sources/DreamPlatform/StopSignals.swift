import CDreamShims

/// Stop requests from SIGINT / SIGTERM, polled by the run loops.
public enum StopSignals {
    public static func install() { CDreamShims_install_stop_handlers() }
    /// The signal number that asked to stop, or nil.
    public static var received: Int32? {
        let s = CDreamShims_stop_signal()
        return s == 0 ? nil : s
    }
    public static func reset() { CDreamShims_reset_stop() }
}
