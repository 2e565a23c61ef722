// A tiny bitmap font for the plots ViewSynth draws itself (curves.png): 5×9-pixel glyphs (capitals and digits
// 7 pixels tall on a baseline at row 6, two rows below for descenders) for digits, letters and a few signs
// (. , - + = ( ) / : % _). A character without a glyph is drawn as '?'. Text is scaled by whole pixels
// (each font pixel becomes a scale × scale square), so the output is crisp and byte-deterministic.

public enum BitmapFont {
    public static let glyphWidth = 5
    public static let glyphHeight = 9
    /// Horizontal distance between two characters, in font pixels (one blank column).
    public static let advance = 6

    /// Rows of a glyph, top first; each row is 5 characters, '#' for ink. Missing rows are blank.
    static let rows: [Character: [String]] = {
        var t: [Character: [String]] = [:]
        for (c, spec) in table { t[c] = spec.split(separator: " ").map(String.init) }
        return t
    }()

    private static let table: [(Character, String)] = [
        ("0", ".###. #...# #..## #.#.# ##..# #...# .###."),
        ("1", "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###."),
        ("2", ".###. #...# ....# ...#. ..#.. .#... #####"),
        ("3", "##### ...#. ..#.. ...#. ....# #...# .###."),
        ("4", "...#. ..##. .#.#. #..#. ##### ...#. ...#."),
        ("5", "##### #.... ####. ....# ....# #...# .###."),
        ("6", "..##. .#... #.... ####. #...# #...# .###."),
        ("7", "##### ....# ...#. ..#.. .#... .#... .#..."),
        ("8", ".###. #...# #...# .###. #...# #...# .###."),
        ("9", ".###. #...# #...# .#### ....# ...#. .##.."),
        ("A", ".###. #...# #...# ##### #...# #...# #...#"),
        ("B", "####. #...# #...# ####. #...# #...# ####."),
        ("C", ".###. #...# #.... #.... #.... #...# .###."),
        ("D", "###.. #..#. #...# #...# #...# #..#. ###.."),
        ("E", "##### #.... #.... ####. #.... #.... #####"),
        ("F", "##### #.... #.... ####. #.... #.... #...."),
        ("G", ".###. #...# #.... #.### #...# #...# .####"),
        ("H", "#...# #...# #...# ##### #...# #...# #...#"),
        ("I", ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###."),
        ("J", "..### ...#. ...#. ...#. ...#. #..#. .##.."),
        ("K", "#...# #..#. #.#.. ##... #.#.. #..#. #...#"),
        ("L", "#.... #.... #.... #.... #.... #.... #####"),
        ("M", "#...# ##.## #.#.# #.#.# #...# #...# #...#"),
        ("N", "#...# #...# ##..# #.#.# #..## #...# #...#"),
        ("O", ".###. #...# #...# #...# #...# #...# .###."),
        ("P", "####. #...# #...# ####. #.... #.... #...."),
        ("Q", ".###. #...# #...# #...# #.#.# #..#. .##.#"),
        ("R", "####. #...# #...# ####. #.#.. #..#. #...#"),
        ("S", ".#### #.... #.... .###. ....# ....# ####."),
        ("T", "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#.."),
        ("U", "#...# #...# #...# #...# #...# #...# .###."),
        ("V", "#...# #...# #...# #...# #...# .#.#. ..#.."),
        ("W", "#...# #...# #...# #.#.# #.#.# #.#.# .#.#."),
        ("X", "#...# #...# .#.#. ..#.. .#.#. #...# #...#"),
        ("Y", "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#.."),
        ("Z", "##### ....# ...#. ..#.. .#... #.... #####"),
        ("a", "..... ..... .###. ....# .#### #...# .####"),
        ("b", "#.... #.... ####. #...# #...# #...# ####."),
        ("c", "..... ..... .#### #.... #.... #.... .####"),
        ("d", "....# ....# .#### #...# #...# #...# .####"),
        ("e", "..... ..... .###. #...# ##### #.... .####"),
        ("f", "..##. .#... ####. .#... .#... .#... .#..."),
        ("g", "..... ..... .#### #...# #...# #...# .#### ....# .###."),
        ("h", "#.... #.... ####. #...# #...# #...# #...#"),
        ("i", "..#.. ..... .##.. ..#.. ..#.. ..#.. .###."),
        ("j", "...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##.."),
        ("k", "#.... #.... #..#. #.#.. ##... #.#.. #..#."),
        ("l", ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###."),
        ("m", "..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#"),
        ("n", "..... ..... ####. #...# #...# #...# #...#"),
        ("o", "..... ..... .###. #...# #...# #...# .###."),
        ("p", "..... ..... ####. #...# #...# #...# ####. #.... #...."),
        ("q", "..... ..... .#### #...# #...# #...# .#### ....# ....#"),
        ("r", "..... ..... #.##. ##..# #.... #.... #...."),
        ("s", "..... ..... .#### #.... .###. ....# ####."),
        ("t", ".#... .#... ####. .#... .#... .#..# ..##."),
        ("u", "..... ..... #...# #...# #...# #..## .##.#"),
        ("v", "..... ..... #...# #...# #...# .#.#. ..#.."),
        ("w", "..... ..... #...# #...# #.#.# #.#.# .#.#."),
        ("x", "..... ..... #...# .#.#. ..#.. .#.#. #...#"),
        ("y", "..... ..... #...# #...# #...# #...# .#### ....# .###."),
        ("z", "..... ..... ##### ...#. ..#.. .#... #####"),
        (".", "..... ..... ..... ..... ..... .##.. .##.."),
        (",", "..... ..... ..... ..... ..... .##.. ..#.. .#..."),
        ("-", "..... ..... ..... .###. ..... ..... ....."),
        ("+", "..... ..#.. ..#.. ##### ..#.. ..#.. ....."),
        ("=", "..... ..... ##### ..... ##### ..... ....."),
        ("(", "...#. ..#.. .#... .#... .#... ..#.. ...#."),
        (")", ".#... ..#.. ...#. ...#. ...#. ..#.. .#..."),
        ("/", "..... ....# ...#. ..#.. .#... #.... ....."),
        (":", "..... .##.. .##.. ..... .##.. .##.. ....."),
        ("%", "##..# ##.#. ...#. ..#.. .#... .#.## #..##"),
        ("_", "..... ..... ..... ..... ..... ..... ..... #####"),
        ("?", ".###. #...# ....# ...#. ..#.. ..... ..#.."),
        (" ", ""),
    ]

    /// Whether font pixel (x, y) of `c` is ink (x < 5, y < 9); characters without a glyph use '?'.
    public static func ink(_ c: Character, x: Int, y: Int) -> Bool {
        guard let g = rows[c] ?? rows["?"], y >= 0, y < g.count, x >= 0, x < glyphWidth else { return false }
        let row = g[y]
        return row[row.index(row.startIndex, offsetBy: x)] == "#"
    }

    /// Width in pixels of `text` drawn at `scale` (no trailing blank column).
    public static func width(_ text: String, scale: Int = 1) -> Int {
        text.isEmpty ? 0 : (text.count * advance - 1) * scale
    }

    /// Height in pixels of a line at `scale` from its top to the baseline (capitals and digits).
    public static func capHeight(scale: Int = 1) -> Int { 7 * scale }

    /// Calls `plot(x, y)` for every ink pixel of `text` with its top-left corner at (x0, y0) at `scale`.
    /// `vertical` draws it rotated 90° anticlockwise (reading bottom to top, as a y-axis title): (x0, y0)
    /// is then the bottom-left corner of the rotated text.
    public static func forEachPixel(_ text: String, x0: Int, y0: Int, scale: Int = 1, vertical: Bool = false,
                                    _ plot: (Int, Int) -> Void) {
        for (i, c) in text.enumerated() {
            guard let g = rows[c] ?? rows["?"] else { continue }
            for (gy, row) in g.enumerated() {
                for (gx, ch) in row.enumerated() where ch == "#" {
                    let u = (i * advance + gx) * scale, v = gy * scale   // position along / across the text
                    for dy in 0..<scale {
                        for dx in 0..<scale {
                            if vertical { plot(x0 + v + dy, y0 - u - dx) } else { plot(x0 + u + dx, y0 + v + dy) }
                        }
                    }
                }
            }
        }
    }
}
