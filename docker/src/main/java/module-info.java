/** Dockerized integration tests (issue 5 fills this module). */
module io.txring.docker {
    requires io.txring.core;
}
