#pragma once
// Decimation that cannot break a closed surface, for the pieces VTK's decimators break (see mesh.cpp).
#include "vestige/visualization/mesh.h"

#include <cstddef>

namespace vestige::visualization::detail {

// Edge collapses in order of quadric error (Garland & Heckbert 1997) until at most targetTriangles remain or no
// collapse is allowed. A collapse is allowed only when it keeps a closed 2-manifold a closed 2-manifold (the link
// condition of Dey et al. 1999, and no vertex left with two edges) and turns no triangle over. Normals are cleared.
void collapseEdges(Mesh& mesh, std::size_t targetTriangles);

// Area-weighted unit vertex normals from the triangles (counter-clockwise seen from outside).
void computeNormals(Mesh& mesh);

} // namespace vestige::visualization::detail
