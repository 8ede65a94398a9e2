// Keeps hd_fakes non-empty while no fake exists yet.
namespace hadirector::testing { int fakes_anchor = 0; }
