// Which loader reads a folder, from its contents. First match wins:
//   1. transforms.json                               → instant-ngp / nerfstudio (.transforms)
//   2. transforms_train.json                         → Blender / NeRF (.blender)
//   3. poses_bounds.npy                              → LLFF (.llff) — before COLMAP, since LLFF captures often
//                                                      keep the COLMAP model they were made from
//   4. cameras.{bin,txt} in sparse/0, sparse or the folder itself → COLMAP (.colmap)

import Foundation

extension SceneLoader {
    public static func detectFormat(_ dir: URL) throws -> SceneFormat {
        guard isDirectory(dir) else { throw ViewSynthError(dir, expected: "a scene folder", found: "no such folder") }
        let fm = FileManager.default
        func has(_ name: String) -> Bool { fm.fileExists(atPath: dir.appendingPathComponent(name).path) }
        if has("transforms.json") { return .transforms }
        if has("transforms_train.json") { return .blender }
        if has("poses_bounds.npy") { return .llff }
        if COLMAPLoader.modelFolder(in: dir) != nil { return .colmap }
        let entries = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).sorted().prefix(8)
        throw ViewSynthError(dir, expected: "a scene folder with transforms.json, transforms_train.json, poses_bounds.npy "
                                 + "or a COLMAP model (sparse/0/cameras.bin|txt)",
                             found: entries.isEmpty ? "an empty folder" : "only " + entries.joined(separator: ", "))
    }
}
