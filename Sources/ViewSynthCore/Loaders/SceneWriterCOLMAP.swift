// COLMAP writer: sparse/0/{cameras,images,points3D}.{txt|bin} (rules in SceneWriter.swift).

import Foundation

extension SceneWriter {
    static func writeCOLMAP(_ s: SceneExport, to dir: URL, binary: Bool) throws {
        let folder = dir.appendingPathComponent("sparse/0")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var model = COLMAPModel()
        var cameraIDs: [(Intrinsics, Distortion?, Int)] = []
        for (i, c) in s.cameras.enumerated() {
            let k = c.intrinsics, d = s.distortion(i)
            let camID: Int
            if let e = cameraIDs.first(where: { $0.0 == k && $0.1 == d }) { camID = e.2 }
            else {
                camID = cameraIDs.count + 1
                cameraIDs.append((k, d, camID))
                if let d {
                    guard d.k3 == 0 else {
                        throw ViewSynthError(folder, expected: "distortion without k3 (COLMAP OPENCV model)", found: "k3 = \(d.k3) in view \(i)")
                    }
                    model.cameras[camID] = .init(id: camID, model: "OPENCV", width: k.width, height: k.height,
                                                 params: [k.fx, k.fy, k.cx, k.cy, d.k1, d.k2, d.p1, d.p2])
                } else {
                    model.cameras[camID] = .init(id: camID, model: "PINHOLE", width: k.width, height: k.height,
                                                 params: [k.fx, k.fy, k.cx, k.cy])
                }
            }
            let (q, t) = CameraConventions.toCOLMAP(c.worldFromCamera)
            model.images.append(.init(id: i + 1, qw: q.w, qx: q.x, qy: q.y, qz: q.z, t: t, cameraID: camID, name: s.names[i]))
        }
        model.points = s.points
        if binary { try model.writeBinary(to: folder) } else { try model.writeText(to: folder) }
    }
}
