import Foundation
import Testing

@testable import SwapSyncKit

@Suite(.timeLimit(.minutes(3))) struct RunLockTests {
  @Test func acquireWritesPIDAndCreatesStateFolder() throws {
    let box = try StoreTestSandbox()
    let stateDir = box.url("out/.swapsync")
    let lock = try RunLock.acquire(stateDir: stateDir)
    defer { lock.release() }
    #expect(box.read("out/.swapsync/run.lock") == Array("\(getpid())\n".utf8))
    #expect(RunLock.holder(stateDir: stateDir) == getpid())
  }

  @Test func secondAcquireInSameProcessFailsNamingThePID() throws {
    let box = try StoreTestSandbox()
    let stateDir = box.url("out/.swapsync")
    let first = try RunLock.acquire(stateDir: stateDir)
    do {
      let second = try RunLock.acquire(stateDir: stateDir)
      second.release()
      Issue.record("a second lock on a separate open file description must fail")
    } catch {
      #expect(error == .heldBy(pid: getpid(), path: box.url("out")))
      #expect(
        error.description
          == "another swapsync run (pid \(getpid())) is using \(box.url("out")); wait for it to finish")
    }
    first.release()
    let third = try RunLock.acquire(stateDir: stateDir)
    third.release()
    #expect(RunLock.holder(stateDir: stateDir) == nil)
  }

  @Test func lockIsReleasedWhenTheObjectGoesAway() throws {
    let box = try StoreTestSandbox()
    let stateDir = box.url(".swapsync")
    do {
      _ = try RunLock.acquire(stateDir: stateDir)
    }
    let again = try RunLock.acquire(stateDir: stateDir)
    again.release()
    again.release()  // idempotent
  }

  @Test func flockOnAnotherOpenFileDescriptionConflicts() throws {
    // The property the run lock relies on, checked directly: two opens of one file are two locks.
    let box = try StoreTestSandbox()
    try box.write([], to: "f")
    let a = open(box.url("f"), O_RDWR)
    let b = open(box.url("f"), O_RDWR)
    defer {
      close(a)
      close(b)
    }
    #expect(flock(a, LOCK_EX | LOCK_NB) == 0)
    #expect(flock(b, LOCK_EX | LOCK_NB) == -1)
    #expect(errno == EWOULDBLOCK)
    #expect(flock(b, LOCK_SH | LOCK_NB) == -1)
  }

  @Test func holderOfMissingFolderIsNilAndCreatesNothing() throws {
    let box = try StoreTestSandbox()
    #expect(RunLock.holder(stateDir: box.url("out/.swapsync")) == nil)
    #expect(!box.exists("out"))
  }

  @Test func holderIgnoresStalePIDOfADeadRun() throws {
    let box = try StoreTestSandbox()
    try box.write(Array("999999\n".utf8), to: ".swapsync/run.lock")
    #expect(RunLock.holder(stateDir: box.url(".swapsync")) == nil)
    let lock = try RunLock.acquire(stateDir: box.url(".swapsync"))
    defer { lock.release() }
    #expect(box.read(".swapsync/run.lock") == Array("\(getpid())\n".utf8))
  }

  @Test func heldByWithoutPIDStillReads() {
    #expect(
      RunLockError.heldBy(pid: nil, path: "out").description
        == "another swapsync run is using out; wait for it to finish")
  }
}
