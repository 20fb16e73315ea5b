// std::ios_base_library_init() for libstdc++ older than GCC 13 (GLIBCXX_3.4.32).
// TorchSharp 0.107.0's libLibTorchSharp.so is built with GCC 13, whose headers call this function from every
// translation unit that includes <iostream>; all it does there is construct the iostreams' static initialiser, which
// older libstdc++ runs from its own constructors. See scripts/torchsharp-compat/patch.sh.
#include <ios>

namespace std
{
    void ios_base_library_init()
    {
        static ios_base::Init init;
    }
}
