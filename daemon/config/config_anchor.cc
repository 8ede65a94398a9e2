// Placeholder until the configuration module lands.
namespace hadirector::config { int module_anchor = 0; }
