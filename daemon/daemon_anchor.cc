// Placeholder until the supervisor lands.
namespace hadirector::daemon { int module_anchor = 0; }
