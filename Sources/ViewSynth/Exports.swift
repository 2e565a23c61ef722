// `import ViewSynth` gives the whole library: scene loading, geometry, metrics, synthetic scenes,
// the neural-network engine and (as they land) the render pipeline and methods.
@_exported import ViewSynthCore
@_exported import ViewSynthEngine
@_exported import ViewSynthSynthetic
