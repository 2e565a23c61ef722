import Foundation

/// Every error a user can cause with bad input. Its description is one line that names the file,
/// what was expected and what was found.
public struct ViewSynthError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public var path: String
    public var expected: String
    public var found: String

    public init(_ path: String, expected: String, found: String) {
        self.path = path; self.expected = expected; self.found = found
    }
    public init(_ url: URL, expected: String, found: String) {
        self.init(url.path, expected: expected, found: found)
    }
    /// One line whatever the parts hold (line breaks and control characters become spaces; `found` is cut at 200 characters, so an
    /// input echoed by mistake cannot flood the terminal).
    public var description: String {
        let shown = found.count > 200 ? String(found.prefix(200)) + "…" : found
        return Self.oneLine("\(path): expected \(expected), found \(shown)")
    }

    /// `text` with every line break and control character (NUL, NEL, escape sequences' ESC…) as a space.
    public static func oneLine(_ text: String) -> String {
        String(text.map { c -> Character in
            c.isNewline || c.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) ? " " : c
        })
    }
    public var errorDescription: String? { description }
}
