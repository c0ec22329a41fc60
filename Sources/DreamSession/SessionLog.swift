/// Progress and notes of the library's long operations (fits, cells): the session's default log.
func log(_ line: String) {
    DreamSession.standardError(line)
}
