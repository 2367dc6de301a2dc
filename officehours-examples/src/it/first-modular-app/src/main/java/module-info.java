/** A user's first app as a module: what README's "On the module path" line promises. */
module com.example.voice {
  requires dev.officehours.core;
  requires dev.officehours.redis;
}
