// Placeholder so the vrrp library has a translation unit until its module lands.
namespace hadirector::vrrp { int module_anchor = 0; }
