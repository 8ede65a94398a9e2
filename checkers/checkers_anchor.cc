// Placeholder so the checkers library has a translation unit until its module lands.
namespace hadirector::checkers { int module_anchor = 0; }
