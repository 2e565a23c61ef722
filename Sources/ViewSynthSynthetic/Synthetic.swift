// Procedural scenes (issue #3) live here.
import ViewSynthCore
