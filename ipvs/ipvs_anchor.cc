// Placeholder so the ipvs library has a translation unit until its module lands.
namespace hadirector::ipvs { int module_anchor = 0; }
