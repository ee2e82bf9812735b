// Provides std::ios_base_library_init(), which GCC 13's libstdc++ (GLIBCXX_3.4.32) exports and
// libLibTorchSharp.so references. Older libstdc++ (GCC 12, Debian 12) initialises the standard
// streams through the same static ios_base::Init object, so constructing one here is equivalent.
#include <ios>

namespace std {
__attribute__((visibility("default"))) void ios_base_library_init()
{
    static ios_base::Init init;
}
}
