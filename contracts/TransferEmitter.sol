// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title TransferEmitter
/// @notice Benchmark helper: emits many ERC-20 `Transfer` logs in one transaction. Its runtime code
/// is installed at a token's address with `anvil_setCode`, so the logs come from a configured token
/// contract and the watcher treats them as real deposits. It moves no balances.
contract TransferEmitter {
    event Transfer(address indexed from, address indexed to, uint256 value);

    function emitTransfers(address to, uint256 count, uint256 amount) external {
        for (uint256 i = 0; i < count; ) {
            emit Transfer(msg.sender, to, amount);
            unchecked {
                ++i;
            }
        }
    }
}
