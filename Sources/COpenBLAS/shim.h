#include <cblas.h>
// OpenBLAS extensions (declared in cblas.h of OpenBLAS builds): openblas_get_corename,
// openblas_set_num_threads, openblas_get_num_threads, openblas_get_config.
