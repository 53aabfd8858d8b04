extension String {
    /// The string without leading and trailing whitespace (plugins have no
    /// Foundation to do it): CLI output such as a pid or a version line.
    public var trimmingWhitespace: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
